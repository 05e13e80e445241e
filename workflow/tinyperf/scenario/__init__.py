"""Multi-DNN scenarios: several models in one firmware with one shared arena, pipelined or concurrent."""
