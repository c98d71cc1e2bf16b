"""One client module per outside service the actions call: `recommender.py` (every product,
cart and coupon question) and `console.py` (handoffs to a person). Both time out hard, so the bot
answers even when a service does not."""
