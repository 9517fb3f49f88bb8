using System.Collections.Concurrent;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.Actors.Specs.Support;

/// <summary>
/// A prober whose every ping answers, or none does; it keeps the addresses it was asked to ping. With
/// <paramref name="answerWhen"/>, no ping answers before that task completes (a ping still on its way).
/// </summary>
public sealed class FakeUnderlay(bool answers, Task? answerWhen = null) : IProber
{
    private readonly ConcurrentQueue<string> _pinged = new();

    public IReadOnlyCollection<string> Pinged => _pinged;

    public async Task<ProbeResult> ProbeAsync(string? networkNamespace, ProbeSettings probe, CancellationToken cancellationToken)
    {
        _pinged.Enqueue(probe.Address);
        if (answerWhen is not null) await answerWhen;
        return answers ? ProbeResult.Answered(TimeSpan.FromMilliseconds(3)) : ProbeResult.Failed($"no echo reply from {probe.Address}");
    }
}
