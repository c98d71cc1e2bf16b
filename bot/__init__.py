"""The bot as a whole: the launcher that runs recommender, action server and Rasa together."""
