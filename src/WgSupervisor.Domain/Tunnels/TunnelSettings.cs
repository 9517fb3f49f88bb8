using WgSupervisor.Domain.Probing;
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

    /// <summary>How the rungs are carried out (endpoint host, systemd unit, command, per-rung verify timeouts).</summary>
    public RepairOptions Repair { get; init; } = RepairOptions.None;

    /// <summary>An active probe through the tunnel, or null.</summary>
    public ProbeSettings? Probe { get; init; }

    /// <summary>Stale when tx grows while rx stays flat this long; null: not judged (the default).</summary>
    public TimeSpan? ReceiveStallAfter { get; init; }

    /// <summary>How many repairs in how long put the tunnel into quarantine.</summary>
    public QuarantinePolicy Quarantine { get; init; } = QuarantinePolicy.Default;

    /// <summary>On the primary: the node that holds a copy of this tunnel's conf and takes it over if this node goes down.</summary>
    public string? Standby { get; init; }

    /// <summary>On the standby: the node that normally carries this tunnel; it is taken over only when that node is downed.</summary>
    public string? Primary { get; init; }

    /// <summary>The tunnel can move between this node and another (<see cref="Standby"/> or <see cref="Primary"/>).</summary>
    public string? PartnerNode => Standby ?? Primary;

    /// <summary>
    /// The uplink (line, provider) this tunnel's underlay leaves by, when the node has several: tunnels of one
    /// uplink that go stale together are held as one common cause. Null: the node's tunnels count as one uplink.
    /// </summary>
    public string? Uplink { get; init; }

    /// <summary>
    /// While the tunnel is stale, ping its endpoint's address outside the tunnel (from its namespace): no answer
    /// means the underlay is down and no repair on this gateway can help, so repairs are held.
    /// </summary>
    public bool UnderlayProbe { get; init; }

    /// <summary>Found on a local interface rather than configured; retired when its peer is gone from interface and conf.</summary>
    public bool Discovered { get; init; }

    public TunnelKey Key => new(Namespace, Interface, PeerPublicKey);

    /// <summary>
    /// The verify timeout of a rung: its own if configured; else a peer-level rung, which needs one round trip
    /// to show its effect, gets at most <see cref="PeerRungVerifyTimeout"/>, and the others the tunnel's.
    /// </summary>
    public TimeSpan VerifyTimeoutFor(RepairRung rung) =>
        Repair.VerifyTimeouts.TryGetValue(rung, out var configured) ? configured
        : rung.IsInterfaceWide() ? VerifyTimeout
        : VerifyTimeout < PeerRungVerifyTimeout ? VerifyTimeout : PeerRungVerifyTimeout;

    public static readonly TimeSpan PeerRungVerifyTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The rung for the n-th attempt of an episode (n from 1); the top rung repeats.</summary>
    public RepairRung RungForAttempt(int attempt) => Ladder[Math.Clamp(attempt - 1, 0, Ladder.Count - 1)];

    /// <summary>
    /// The rung for the n-th attempt, skipping rungs that cannot help with why the tunnel is stale: with the
    /// interface gone only interface-wide rungs can act, with the peer gone re-resolving cannot.
    /// </summary>
    public RepairRung RungForAttempt(int attempt, StaleReason? reason)
    {
        for (var index = Math.Clamp(attempt - 1, 0, Ladder.Count - 1); index < Ladder.Count; index++)
            if (Helps(Ladder[index], reason)) return Ladder[index];
        return Ladder[^1];
    }

    private static bool Helps(RepairRung rung, StaleReason? reason) => reason switch
    {
        StaleReason.InterfaceMissing => rung.IsInterfaceWide(),
        StaleReason.PeerMissing => rung != RepairRung.ReresolveEndpoint,
        _ => true,
    };
}

/// <param name="EndpointHost">host:port to set on re-resolve; null: the `Endpoint =` line of the peer in the wg-quick conf.</param>
/// <param name="SystemdUnit">restart-interface restarts this unit (e.g. wg-quick@wg0) instead of running wg-quick.</param>
/// <param name="Command">The operator's command for the last rung: program and arguments, never a shell string.</param>
public sealed record RepairOptions(
    string? EndpointHost,
    string? SystemdUnit,
    IReadOnlyList<string>? Command,
    TimeSpan CommandTimeout,
    IReadOnlyDictionary<RepairRung, TimeSpan> VerifyTimeouts)
{
    public static readonly RepairOptions None = new(null, null, null, TimeSpan.FromSeconds(60), new Dictionary<RepairRung, TimeSpan>());
}

/// <summary>More than <paramref name="MaxRepairs"/> repairs within <paramref name="Window"/> quarantine a tunnel (flapping).</summary>
/// <param name="ReleaseAfterWindow">The quarantine ends by itself when the window has passed; false: only an operator ends it.</param>
public sealed record QuarantinePolicy(int MaxRepairs, TimeSpan Window, bool ReleaseAfterWindow)
{
    public static readonly QuarantinePolicy Default = new(6, TimeSpan.FromMinutes(15), true);

    /// <summary>When the repairs in the window will have fallen below the limit (the K-th most recent leaves it).</summary>
    public DateTimeOffset ReleaseTime(IReadOnlyList<DateTimeOffset> recentRepairs) =>
        recentRepairs.Count >= MaxRepairs ? recentRepairs[^MaxRepairs] + Window : DateTimeOffset.MinValue;
}
