"""One module per orchestration pattern. A pattern sees its flow and a `Members` runner, nothing else."""
