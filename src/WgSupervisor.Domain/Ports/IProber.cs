using WgSupervisor.Domain.Probing;

namespace WgSupervisor.Domain.Ports;

/// <summary>Sends one probe through a tunnel, from inside the tunnel's network namespace. Never throws for a failed probe.</summary>
public interface IProber
{
    Task<ProbeResult> ProbeAsync(string? networkNamespace, ProbeSettings probe, CancellationToken cancellationToken);

    /// <summary>
    /// Confirms a missed probe with a quick burst: <paramref name="count"/> probes <paramref name="spacing"/> apart, then
    /// waits up to <paramref name="wait"/> after the last; answered as soon as any one is answered.
    /// </summary>
    async Task<ProbeResult> ConfirmAsync(string? networkNamespace, ProbeSettings probe, int count, TimeSpan spacing, TimeSpan wait,
        CancellationToken cancellationToken)
    {
        var quick = probe with { Timeout = spacing < wait ? spacing : wait };
        ProbeResult last = ProbeResult.Failed("no probe sent");
        for (var i = 0; i < count; i++)
        {
            last = await ProbeAsync(networkNamespace, i == count - 1 ? probe with { Timeout = wait } : quick, cancellationToken);
            if (last.Succeeded) return last;
        }
        return last;
    }
}
