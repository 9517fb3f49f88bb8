using System.Globalization;

namespace WgSupervisor.Testing;

/// <summary>The "--flag value" arguments of the benchmark programs, checked with messages that name the flag.</summary>
public static class BenchArguments
{
    public static Dictionary<string, string> Flags(string[] rest)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < rest.Length; i++)
        {
            if (!rest[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= rest.Length) throw new ArgumentException($"expected --flag value, got '{rest[i]}'");
            flags[rest[i][2..]] = rest[++i];
        }
        return flags;
    }

    public static int Int(Dictionary<string, string> flags, string name, int fallback, int minimum, int maximum)
    {
        if (!flags.TryGetValue(name, out var text)) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw new ArgumentException($"--{name} must be a whole number from {minimum} to {maximum}");
    }

    public static IReadOnlyList<string>? List(Dictionary<string, string> flags, string name, IReadOnlyList<string> allowed)
    {
        if (!flags.TryGetValue(name, out var text)) return null;
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var item in items)
            if (!allowed.Contains(item)) throw new ArgumentException($"--{name}: unknown '{item}' (one of {string.Join(", ", allowed)})");
        return items.Length == 0 ? throw new ArgumentException($"--{name} is empty") : items;
    }

    /// <summary>The 1-, 5- and 15-minute load averages, for the record (other work on the machine skews timings).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
