using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Domain.Tunnels;

/// <summary>Where a tunnel lives: one peer of one interface in one network namespace of this node.</summary>
public sealed record TunnelKey(string? Namespace, string Interface, string PeerPublicKey)
{
    /// <summary>The interface across namespaces, for limits that hold per interface.</summary>
    public string InterfaceKey => $"{Namespace ?? "-"}/{Interface}";

    public override string ToString() => $"{InterfaceKey}/{PeerPublicKey}";
}

/// <summary>Typed, validated settings of one supervised tunnel (the host builds them from configuration).</summary>
public sealed record TunnelSettings
{
    public required string Name { get; init; }
    public required string Interface { get; init; }
    public required string PeerPublicKey { get; init; }
    public string? Namespace { get; init; }
    public required string WgQuickConfig { get; init; }
    public string? Site { get; init; }

    /// <summary>Handshake age (or time without a first handshake) after which the tunnel is stale.</summary>
    public TimeSpan StaleAfter { get; init; } = Thresholds.DefaultStaleAfter;

    /// <summary>How long a repair may take to produce a fresh handshake.</summary>
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public BackoffPolicy Backoff { get; init; } = BackoffPolicy.Default;

    /// <summary>The rungs to climb, cheapest first; a success starts the next episode at the bottom again.</summary>
    public IReadOnlyList<RepairRung> Ladder { get; init; } = [RepairRung.RestartInterface];

    public TunnelKey Key => new(Namespace, Interface, PeerPublicKey);

    /// <summary>The rung for the n-th attempt of an episode (n from 1); the top rung repeats.</summary>
    public RepairRung RungForAttempt(int attempt) => Ladder[Math.Clamp(attempt - 1, 0, Ladder.Count - 1)];
}

/// <summary>Time constants, named after what they mean (WireGuard's own from the whitepaper).</summary>
public static class Thresholds
{
    /// <summary>WireGuard starts a new handshake after this long (REKEY_AFTER_TIME).</summary>
    public static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);

    /// <summary>Below this, a handshake-age threshold gives false positives on healthy tunnels.</summary>
    public static readonly TimeSpan LowestSafeStaleAfter = TimeSpan.FromSeconds(135);

    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromSeconds(180);
}
