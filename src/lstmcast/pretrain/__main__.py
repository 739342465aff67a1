from .train import main

if __name__ == "__main__":   # the batch generator's child process (spawn) imports this module too
    main()
