"""Local fakes of outside services, reached over real sockets on 127.0.0.1."""
