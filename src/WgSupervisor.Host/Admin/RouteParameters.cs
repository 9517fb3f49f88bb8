using System.Globalization;
using System.Text.RegularExpressions;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// Validation of route and query parameters. Names reach nothing but actor lookups, yet they are held to
/// the configuration's own pattern, so that nothing path- or shell-like gets anywhere.
/// </summary>
public static partial class RouteParameters
{
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    public static IResult? CheckName(string value, string parameter) =>
        NamePattern().IsMatch(value) ? null : Problems.BadParameter(parameter, $"'{parameter}' must be 1-64 letters, digits, '.', '_' or '-'");

    public static bool TryPhase(string? text, out TunnelPhase? phase)
    {
        phase = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!Enum.TryParse<TunnelPhase>(text, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || char.IsDigit(text[0])) return false;
        phase = parsed;
        return true;
    }

    public static bool TryTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        time = parsed;
        return true;
    }

    public static bool TryInt(string? text, int fallback, int minimum, int maximum, out int value)
    {
        value = fallback;
        if (string.IsNullOrEmpty(text)) return true;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= minimum && value <= maximum;
    }

    public static bool TryLong(string? text, out long? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) return false;
        value = parsed;
        return true;
    }
}
