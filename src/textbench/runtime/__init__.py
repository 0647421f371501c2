"""What a run runs on: seeds, threads, device, memory, processes (torchrun/accelerate), cores."""
