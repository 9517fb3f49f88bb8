using System.Globalization;

namespace WgSupervisor.ClusterBenchmarks.Support;

/// <summary>Percentiles (nearest rank) of a list of durations in milliseconds, printed as one table row.</summary>
public static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public const string Header = "| measurement | n | min | p50 | p90 | p99 | max | mean |\n|---|---|---|---|---|---|---|---|";

    public static string Row(string what, IReadOnlyList<double> milliseconds) => milliseconds.Count == 0
        ? $"| {what} | 0 | – | – | – | – | – | – |"
        : string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {milliseconds.Count} | {Ms(milliseconds.Min())} | {Ms(Percentile(milliseconds, 50))} | {Ms(Percentile(milliseconds, 90))} | " +
            $"{Ms(Percentile(milliseconds, 99))} | {Ms(milliseconds.Max())} | {Ms(milliseconds.Average())} |");

    public static string Ms(double value) => value >= 100
        ? string.Create(CultureInfo.InvariantCulture, $"{value:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} ms");

    /// <summary>How much <paramref name="value"/> differs from <paramref name="baseline"/>, as a signed percentage ("+4.2 %").</summary>
    public static string Relative(double value, double baseline) => double.IsNaN(value) || double.IsNaN(baseline) || baseline == 0
        ? "–"
        : string.Create(CultureInfo.InvariantCulture, $"{(value / baseline - 1) * 100:+0.0;-0.0;0.0} %");

    public static string Seconds(TimeSpan? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.TotalSeconds:0.00} s") : "–";
}
