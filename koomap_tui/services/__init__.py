"""Long-running work shared by screens: polling, actions, audit."""
