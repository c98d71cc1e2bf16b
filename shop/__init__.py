"""The demo shop page: a catalog grid, a search box, a cart, and the chat widget in the corner."""
