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

    public const int BootstrapResamples = 2000;

    /// <summary>
    /// A 95 % interval of percentile(<paramref name="values"/>) / percentile(<paramref name="baseline"/>), from resampling each
    /// list with replacement (a fixed seed: the same figures give the same interval). Wide when a few samples decide the tail.
    /// </summary>
    public static (double Low, double High) BootstrapRatioInterval(IReadOnlyList<double> values, IReadOnlyList<double> baseline, double percent)
    {
        if (values.Count == 0 || baseline.Count == 0) return (double.NaN, double.NaN);
        var random = new Random(20261130);
        var ratios = new double[BootstrapResamples];
        for (var i = 0; i < ratios.Length; i++) ratios[i] = Percentile(Resample(values, random), percent) / Percentile(Resample(baseline, random), percent);
        return (Percentile(ratios, 2.5), Percentile(ratios, 97.5));
    }

    private static double[] Resample(IReadOnlyList<double> values, Random random)
    {
        var sample = new double[values.Count];
        for (var i = 0; i < sample.Length; i++) sample[i] = values[random.Next(values.Count)];
        return sample;
    }

    public static string Seconds(TimeSpan? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.TotalSeconds:0.00} s") : "–";
}
