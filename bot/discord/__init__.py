"""The Discord bot: `run.run_bot(config_path)` is what `isnad run` calls."""
