"""The staff console: customer-service agents take chats over from the bot and hand them back."""
