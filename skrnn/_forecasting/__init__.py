"""The forecaster's stages, each a function or object that takes values
and returns values (see the developer page "How skrnn is built")."""
