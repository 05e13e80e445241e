"""`tinyperf bench`: instructions, MACs, arena and flash of generated models on qemu_m4, beside TFLM's figures."""
