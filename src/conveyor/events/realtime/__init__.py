"""The live Socket.IO API: server, per-socket state, ordered delivery."""
