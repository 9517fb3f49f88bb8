namespace WgSupervisor.Domain.Probing;

public enum ProbeKind
{
    /// <summary>ICMP echo to an address across the tunnel.</summary>
    Icmp,
    /// <summary>TCP connect to host:port across the tunnel.</summary>
    Tcp,
}

/// <summary>An active probe through the tunnel: the fastest honest signal that it passes traffic.</summary>
/// <param name="FailuresBeforeStale">Consecutive failures (K) that make the tunnel stale.</param>
public sealed record ProbeSettings(ProbeKind Kind, string Address, int? Port, TimeSpan Interval, TimeSpan Timeout, int FailuresBeforeStale)
{
    /// <summary>
    /// A missed probe is confirmed (or cleared) at once by this many quick re-probes, instead of waiting for
    /// <see cref="FailuresBeforeStale"/> whole intervals; 0: no burst. Six keeps a 10 %-loss link (19 % of echoes
    /// lost) from a false alarm: 0.19^7 per probe.
    /// </summary>
    public int ConfirmProbes { get; init; } = DefaultConfirmProbes;

    /// <summary>How long the confirming burst waits for an answer after its last probe.</summary>
    public TimeSpan ConfirmWait { get; init; } = DefaultConfirmWait;

    public const int DefaultConfirmProbes = 6;
    public static readonly TimeSpan DefaultConfirmWait = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan ConfirmSpacing = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);
    public const int DefaultFailuresBeforeStale = 3;

    public override string ToString() => Kind == ProbeKind.Tcp ? $"tcp {Address}:{Port}" : $"icmp {Address}";
}

/// <summary>The outcome of one probe.</summary>
public sealed record ProbeResult(bool Succeeded, TimeSpan RoundTrip, string? Error)
{
    public static ProbeResult Answered(TimeSpan roundTrip) => new(true, roundTrip, null);
    public static ProbeResult Failed(string error) => new(false, TimeSpan.Zero, error);
}

/// <summary>
/// What the probes of one tunnel have said so far (pure). A probe that has never answered since
/// supervision started is a configuration problem to report, not a reason to bounce the tunnel.
/// </summary>
public sealed record ProbeStatus(int ConsecutiveFailures, bool EverSucceeded, DateTimeOffset? LastSuccessAt, string? LastError)
{
    public static readonly ProbeStatus None = new(0, false, null, null);

    public ProbeStatus Record(ProbeResult result, DateTimeOffset at) => result.Succeeded
        ? new ProbeStatus(0, true, at, null)
        : this with { ConsecutiveFailures = ConsecutiveFailures + 1, LastError = result.Error };

    public bool IsFailing(ProbeSettings settings) => EverSucceeded && ConsecutiveFailures >= settings.FailuresBeforeStale;

    /// <summary>A missed probe of a tunnel that answered before, not yet judged failing: a quick burst should confirm it.</summary>
    public bool NeedsConfirmation(ProbeSettings settings) =>
        settings.ConfirmProbes > 0 && EverSucceeded && ConsecutiveFailures is > 0 && ConsecutiveFailures < settings.FailuresBeforeStale;

    /// <summary>The confirming burst's outcome: one answer clears the miss; none makes the probe failing at once.</summary>
    public ProbeStatus RecordConfirmation(ProbeResult burst, ProbeSettings settings, DateTimeOffset at) => burst.Succeeded
        ? Record(burst, at)
        : this with
        {
            ConsecutiveFailures = Math.Max(ConsecutiveFailures + 1, settings.FailuresBeforeStale),
            LastError = $"{LastError}; none of {settings.ConfirmProbes} quick re-probes answered",
        };

    /// <summary>Answered at least once after <paramref name="since"/> and not failing since.</summary>
    public bool AnsweredSince(DateTimeOffset since) => ConsecutiveFailures == 0 && LastSuccessAt >= since;
}
