"""The catalogue's rooms and showings: use cases over the room and showing ports and their read models."""
