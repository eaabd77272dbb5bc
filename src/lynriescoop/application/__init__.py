"""Use cases and the ports (Protocols) they depend on. No framework imports."""
