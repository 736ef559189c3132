"""Is it fixed? Reporters of a case closed founded are asked, some weeks later, whether the problem is gone."""
