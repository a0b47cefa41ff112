"""What only the lessons use: the lesson map (``course``), the checkers (``checks``), and the small experiments
of lessons 02 (``toy_render``), 04 (``style_probe``) and 05 (``identity``)."""
