namespace WgSupervisor.Domain.Tunnels;

/// <summary>Time constants, named after what they mean (WireGuard's own from the whitepaper).</summary>
public static class Thresholds
{
    /// <summary>WireGuard starts a new handshake after this long (REKEY_AFTER_TIME).</summary>
    public static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);

    /// <summary>How long WireGuard waits for a handshake answer before it tries again (REKEY_TIMEOUT).</summary>
    public static readonly TimeSpan RekeyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Below this, a handshake-age threshold gives false positives on healthy tunnels.</summary>
    public static readonly TimeSpan LowestSafeStaleAfter = TimeSpan.FromSeconds(135);

    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromSeconds(180);
}
