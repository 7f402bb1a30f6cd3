"""The live side of the shop: chat between buyers and the merchant over Channels WebSockets."""
