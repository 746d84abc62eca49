"""Running functions: in a process of their own, commands and python entry points alike."""
