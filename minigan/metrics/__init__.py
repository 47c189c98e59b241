"""What tells a good generator from a bad one: a digit judge and the figures it yields.

    from minigan.metrics import evaluate_samples, format_report
    result = evaluate_samples(samples_uint8, real_images=test_images)
    print(format_report(result))

:mod:`minigan.metrics.scores` defines the figures; :mod:`minigan.metrics.judge` the classifier.
"""
from minigan.metrics.judge import Judge, extract_features, load_judge, predict, predict_proba
from minigan.metrics.scores import (confident_share, digit_histogram, digits_covered,
                                    evaluate_samples, feature_statistics, format_report,
                                    frechet_distance, inception_score, reference_statistics,
                                    trace_sqrt_product)

__all__ = [
    "evaluate_samples", "format_report",
    "Judge", "load_judge", "predict_proba", "predict", "extract_features",
    "confident_share", "digit_histogram", "digits_covered", "inception_score",
    "feature_statistics", "frechet_distance", "trace_sqrt_product", "reference_statistics",
]
