"""QR codes of ticket codes (zxing-cpp and Pillow for PNG, segno for SVG)."""
