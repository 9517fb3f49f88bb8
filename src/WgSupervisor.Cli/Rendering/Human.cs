using System.Globalization;

namespace WgSupervisor.Cli.Rendering;

/// <summary>Numbers and times as an operator reads them: "12 s", "3 min", "never", "1.2 MiB", "2026-11-25 10:00:03Z".</summary>
public static class Human
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A duration in seconds, rounded down to its largest unit; null is "never" (no handshake yet).</summary>
    public static string Age(double? seconds)
    {
        if (seconds is not { } s) return "never";
        if (double.IsNaN(s) || s < 0) s = 0;
        return s switch
        {
            < 60 => $"{Math.Floor(s).ToString("0", Invariant)} s",
            < 3600 => $"{Math.Floor(s / 60).ToString("0", Invariant)} min",
            < 86_400 => $"{Math.Floor(s / 3600).ToString("0", Invariant)} h",
            _ => $"{Math.Floor(s / 86_400).ToString("0", Invariant)} d",
        };
    }

    /// <summary>How long ago <paramref name="at"/> was, e.g. "3 min ago" (a time in the future, from clock skew, reads "0 s ago").</summary>
    public static string Ago(DateTimeOffset? at, DateTimeOffset now) => at is { } time ? $"{Age((now - time).TotalSeconds)} ago" : "-";

    public static string Time(DateTimeOffset? at) => at is { } time ? time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant) : "-";

    public static string Seconds(double? seconds) => seconds is { } s ? $"{s.ToString("0.#", Invariant)} s" : "-";

    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b) return "-";
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = b;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{b.ToString(Invariant)} B" : $"{value.ToString("0.0", Invariant)} {units[unit]}";
    }

    public static string OrDash(string? text) => string.IsNullOrEmpty(text) ? "-" : text;
}
