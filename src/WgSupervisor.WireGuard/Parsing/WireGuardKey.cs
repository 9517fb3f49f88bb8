using System.Text.RegularExpressions;

namespace WgSupervisor.WireGuard.Parsing;

/// <summary>WireGuard keys: 32 bytes in base64, 44 characters ending in '='.</summary>
public static partial class WireGuardKey
{
    [GeneratedRegex(@"\A[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=\z")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=")]
    private static partial Regex KeyAnywhere();

    public static bool IsValid(string? text) => text is not null && KeyPattern().IsMatch(text);

    /// <summary>Replaces anything shaped like a key in free text (command output, errors) before it is logged or stored.</summary>
    public static string Redact(string text) => KeyAnywhere().Replace(text, "(key redacted)");
}
