"""Card kinds as plug-ins: one module per kind implementing :class:`base.CardKind`, found by
:mod:`registry`. See base.py for the protocol."""
