"""The read model parents query: distance, filters, facts, municipal and national figures,
comparison.
"""
