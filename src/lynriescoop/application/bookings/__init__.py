"""The booking engine: holds, confirmations, cancellations, expiry, and the views around them."""
