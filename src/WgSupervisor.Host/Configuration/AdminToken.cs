using System.Security.Cryptography;
using System.Text;

namespace WgSupervisor.Host.Configuration;

/// <summary>
/// A token of the admin endpoint: the admin token that mutating routes require, or the read-only token. It comes from
/// the environment (WGSUPERVISOR_ADMIN_TOKEN, WGSUPERVISOR_ADMIN_READ_TOKEN) or a file (Admin:TokenFile, Admin:ReadTokenFile),
/// never from the configuration file itself, and it never prints: ToString says only whether one is set.
/// </summary>
public sealed class AdminToken
{
    public const string EnvironmentVariable = "WGSUPERVISOR_ADMIN_TOKEN";
    private readonly byte[]? _digest;

    private AdminToken(string? token) => _digest = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static readonly AdminToken None = new(null);

    public static AdminToken Of(string token) => new(token);

    public bool IsSet => _digest is not null;

    /// <summary>Compares in constant time (digests of equal length, so neither content nor length leaks through timing).</summary>
    public bool Matches(string? presented) =>
        _digest is not null && presented is not null &&
        CryptographicOperations.FixedTimeEquals(_digest, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    /// <summary>Both set and equal (a read token that is the admin token would be no read-only token).</summary>
    public bool SameAs(AdminToken other) =>
        _digest is not null && other._digest is not null && CryptographicOperations.FixedTimeEquals(_digest, other._digest);

    public override string ToString() => IsSet ? "(set)" : "(none)";
}
