using System.Globalization;

namespace WgSupervisor.FleetBenchmarks.Support;

/// <summary>`--name value` options after the subcommand; unknown names are an error (a typo must not fall back to a default).</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> arguments)
    {
        var list = arguments.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{list[i]}'");
            var name = list[i][2..];
            var eq = name.IndexOf('=');
            if (eq >= 0) _values[name[..eq]] = name[(eq + 1)..];
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal)) _values[name] = list[++i];
            else _values[name] = "true";
        }
    }

    public double Number(string name, double fallback)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var text)) return fallback;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"--{name}: '{text}' is not a number");
    }

    public int Integer(string name, int fallback) => (int)Number(name, fallback);

    public string Text(string name, string fallback)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name, fallback);
    }

    public string? OptionalText(string name)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public IReadOnlyList<int> Integers(string name, string fallback) =>
        Text(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"--{name}: '{t}'"))
            .ToList();

    public IReadOnlyList<string> Words(string name, string fallback) =>
        Text(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>`--host-env K=V,K2=V2`: environment variables for the supervisor process.</summary>
    public IReadOnlyDictionary<string, string> Environment(string name) =>
        Words(name, "").Select(pair => pair.Split('=', 2)).ToDictionary(
            kv => kv.Length == 2 && kv[0].Length > 0 ? kv[0] : throw new ArgumentException($"--{name}: '{string.Join('=', kv)}' is not NAME=VALUE"),
            kv => kv[1], StringComparer.Ordinal);

    /// <summary>Call after every option has been read.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}
