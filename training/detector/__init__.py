"""The class-agnostic logo detector: training frames, network, training, export, evaluation."""
