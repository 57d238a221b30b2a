print("python-bench")
