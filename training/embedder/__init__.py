"""The default logo embedder: a MobileNetV3-Small trained with metric learning on synthetic
venue views of simple-icons brand marks (see ``training/README.md`` and
``models/logo-embedder/MODEL_CARD.md``)."""
