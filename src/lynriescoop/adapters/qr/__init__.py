"""QR codes of ticket codes (segno)."""
