using System.Globalization;
using System.Text.RegularExpressions;

namespace WgSupervisor.Host.Configuration;

/// <summary>
/// Typed reads of one key that record a problem at the key's path instead of throwing, and give back the
/// fallback, so that reading goes on and every problem comes out at once.
/// </summary>
public sealed class KeyReader(SettingsReader reader, IConfiguration parent, string key, string path)
{
    /// <summary>Longest duration any setting may have: a year is already absurd, beyond it TimeSpan overflows.</summary>
    private const double MaxSeconds = 365 * 24 * 3600;

    public SettingsReader Reader => reader;

    /// <summary>The key path, e.g. Tunnels:0:Backoff:CapSeconds.</summary>
    public string Path => path;

    /// <summary>The value, or null when the key is absent or empty.</summary>
    public string? Text => parent[key] is { Length: > 0 } value ? value : null;

    public bool IsSet => Text is not null;

    /// <summary>The object or list under the key.</summary>
    public IConfigurationSection Section => parent.GetSection(key);

    /// <summary>The entries of a list, in index order.</summary>
    public IReadOnlyList<IConfigurationSection> Items =>
        Section.GetChildren().OrderBy(item => int.TryParse(item.Key, out var index) ? index : int.MaxValue).ToList();

    public void Problem(string problem) => reader.Problem(path, problem);

    /// <summary>A problem with something under this key (a list entry, a nested key).</summary>
    public void Problem(string below, string problem) => reader.Problem(SettingsReader.PathOf(path, below), problem);

    public string? Required()
    {
        var value = Text;
        if (value is null) Problem("is required");
        return value;
    }

    /// <summary>The value as it is; a problem when it is set and does not match <paramref name="pattern"/>.</summary>
    public string? Matching(string? value, Regex pattern, string problem)
    {
        if (value is not null && !pattern.IsMatch(value)) Problem(problem);
        return value;
    }

    public double Number(double fallback, double minimum)
    {
        if (Text is not { } text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Problem($"'{text}' is not a number");
            return fallback;
        }
        if (value < minimum) Problem($"must be at least {minimum.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    /// <param name="maximum">The longest allowed (default: a year).</param>
    public TimeSpan Seconds(double fallback, double minimum, double maximum = MaxSeconds)
    {
        var seconds = Number(fallback, minimum);
        if (seconds <= maximum) return TimeSpan.FromSeconds(Math.Max(seconds, 0));
        Problem($"must be at most {maximum.ToString(CultureInfo.InvariantCulture)} seconds");
        return TimeSpan.FromSeconds(fallback);
    }

    /// <summary>A share of a whole: above 0, at most 1.</summary>
    public double Fraction(double fallback)
    {
        var value = Number(fallback, minimum: double.NegativeInfinity);
        if (value is > 0 and <= 1) return value;
        Problem("must be above 0 and at most 1");
        return fallback;
    }

    /// <summary>Seconds when the key is set; null (not used) when it is not.</summary>
    public TimeSpan? OptionalSeconds(double fallback, double minimum) => IsSet ? Seconds(fallback, minimum) : null;

    public int Integer(int fallback, int minimum, int maximum = int.MaxValue)
    {
        if (Text is not { } text) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Problem($"'{text}' is not a whole number");
            return fallback;
        }
        if (value < minimum || value > maximum) Problem($"must be between {minimum} and {maximum}");
        return value;
    }

    /// <summary>A whole number when the key is set; null (no limit, not used) when it is not.</summary>
    public int? OptionalInteger(int fallback, int minimum) => IsSet ? Integer(fallback, minimum) : null;

    public bool Boolean(bool fallback)
    {
        if (Text is not { } text) return fallback;
        if (bool.TryParse(text, out var value)) return value;
        Problem($"'{text}' is not true or false");
        return fallback;
    }

    public TEnum Choice<TEnum>(TEnum fallback) where TEnum : struct, Enum
    {
        if (Text is not { } text) return fallback;
        if (Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && Enum.IsDefined(value)) return value;
        Problem($"'{text}' is not one of {string.Join(", ", Enum.GetNames<TEnum>())}");
        return fallback;
    }

    /// <summary>An http(s) URL without a path (a listening address).</summary>
    public Uri Url(string fallback)
    {
        var text = Text ?? fallback;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/") return uri;
        Problem($"'{text}' is not an http(s) URL without a path, like http://127.0.0.1:5080");
        return new Uri(fallback);
    }
}
