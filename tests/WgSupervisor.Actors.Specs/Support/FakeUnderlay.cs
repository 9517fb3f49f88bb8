using System.Collections.Concurrent;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.Actors.Specs.Support;

/// <summary>A prober whose every ping answers, or none does; it keeps the addresses it was asked to ping.</summary>
public sealed class FakeUnderlay(bool answers) : IProber
{
    private readonly ConcurrentQueue<string> _pinged = new();

    public IReadOnlyCollection<string> Pinged => _pinged;

    public Task<ProbeResult> ProbeAsync(string? networkNamespace, ProbeSettings probe, CancellationToken cancellationToken)
    {
        _pinged.Enqueue(probe.Address);
        return Task.FromResult(answers ? ProbeResult.Answered(TimeSpan.FromMilliseconds(3)) : ProbeResult.Failed($"no echo reply from {probe.Address}"));
    }
}
