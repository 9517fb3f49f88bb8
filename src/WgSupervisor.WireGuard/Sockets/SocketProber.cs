using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.WireGuard.Sockets;

/// <summary>
/// Probes through tunnels with sockets made inside each tunnel's namespace: ICMP echo over one raw socket
/// per namespace, or a TCP connect. A connect that is refused still proves that packets crossed the tunnel
/// both ways, so it counts as answered: the probe checks the tunnel, not the service behind it.
/// </summary>
public sealed class SocketProber : IProber, IDisposable
{
    private readonly ConcurrentDictionary<string, IcmpEchoEngine> _engines = new(StringComparer.Ordinal);
    private readonly object _creating = new();

    public async Task<ProbeResult> ProbeAsync(string? networkNamespace, ProbeSettings probe, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(probe.Address, out var address)) return ProbeResult.Failed($"'{probe.Address}' is not an IP address");
        try
        {
            return probe.Kind switch
            {
                ProbeKind.Icmp => await Engine(networkNamespace).EchoAsync(address, probe.Timeout, cancellationToken),
                ProbeKind.Tcp => await ConnectAsync(networkNamespace, new IPEndPoint(address, probe.Port ?? 0), probe.Timeout, cancellationToken),
                _ => ProbeResult.Failed($"unknown probe kind {probe.Kind}"),
            };
        }
        catch (SocketException e)
        {
            return ProbeResult.Failed(e.Message);
        }
    }

    /// <summary>
    /// The confirming burst for real: echo requests <paramref name="spacing"/> apart over the namespace's one ICMP socket, or
    /// staggered TCP connects; the first answer ends it. A loss of one packet in five must not fail it, a dead tunnel fails
    /// it <paramref name="wait"/> after the last probe.
    /// </summary>
    public async Task<ProbeResult> ConfirmAsync(string? networkNamespace, ProbeSettings probe, int count, TimeSpan spacing, TimeSpan wait,
        CancellationToken cancellationToken)
    {
        if (count < 1) return ProbeResult.Failed("no probe sent");
        if (!IPAddress.TryParse(probe.Address, out var address)) return ProbeResult.Failed($"'{probe.Address}' is not an IP address");
        try
        {
            return probe.Kind switch
            {
                ProbeKind.Icmp => await Engine(networkNamespace).EchoBurstAsync(address, count, spacing, wait, cancellationToken),
                ProbeKind.Tcp => await ConnectBurstAsync(networkNamespace, new IPEndPoint(address, probe.Port ?? 0), count, spacing, wait, cancellationToken),
                _ => ProbeResult.Failed($"unknown probe kind {probe.Kind}"),
            };
        }
        catch (SocketException e)
        {
            return ProbeResult.Failed(e.Message);
        }
    }

    private IcmpEchoEngine Engine(string? networkNamespace)
    {
        var key = networkNamespace ?? "";
        var identity = NamespaceSockets.Identity(networkNamespace)
                       ?? throw new SocketException((int)SocketError.NetworkUnreachable, $"network namespace {networkNamespace} does not exist");
        if (_engines.TryGetValue(key, out var engine) && engine.NamespaceIdentity == identity) return engine;
        lock (_creating)
        {
            if (_engines.TryGetValue(key, out engine) && engine.NamespaceIdentity == identity) return engine;
            engine?.Dispose();
            engine = new IcmpEchoEngine(networkNamespace, identity);
            _engines[key] = engine;
            return engine;
        }
    }

    /// <summary>
    /// Starts a connect every <paramref name="spacing"/>, each allowed to run until <paramref name="wait"/> after the last
    /// one starts; the first that connects (or is refused) answers, and the others are cancelled.
    /// </summary>
    private static async Task<ProbeResult> ConnectBurstAsync(string? networkNamespace, IPEndPoint target, int count, TimeSpan spacing, TimeSpan wait,
        CancellationToken cancellationToken)
    {
        using var burst = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = new List<Task<ProbeResult>>(count);
        var pending = new List<Task<ProbeResult>>(count);
        var last = ProbeResult.Failed("no probe sent");
        try
        {
            for (var i = 0; i < count; i++)
            {
                var attempt = AttemptAsync(spacing * (count - 1 - i) + wait);
                started.Add(attempt);
                pending.Add(attempt);
                if (await FirstAnswerAsync(i < count - 1 ? spacing : Timeout.InfiniteTimeSpan) is { } answer) return answer;
            }
            return last;
        }
        finally
        {
            // The losers are cancelled and awaited: no socket of the burst outlives it.
            await burst.CancelAsync();
            await Task.WhenAll(started.Cast<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        async Task<ProbeResult> AttemptAsync(TimeSpan timeout)
        {
            try
            {
                return await ConnectAsync(networkNamespace, target, timeout, burst.Token);
            }
            catch (SocketException e)
            {
                return ProbeResult.Failed(e.Message);
            }
        }

        // Collects finished attempts until one answers or the pause before the next start is over; in the last
        // round (an endless pause) until every attempt has ended.
        async Task<ProbeResult?> FirstAnswerAsync(TimeSpan pause)
        {
            using var pauseOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var nextStart = Task.Delay(pause, pauseOver.Token);
            try
            {
                while (pending.Count > 0 || pause != Timeout.InfiniteTimeSpan)
                {
                    if (await Task.WhenAny([.. pending, nextStart]) is not Task<ProbeResult> done) break;
                    pending.Remove(done);
                    var result = await done;
                    if (result.Succeeded) return result;
                    last = result;
                }
                cancellationToken.ThrowIfCancellationRequested();
                return null;
            }
            finally
            {
                await pauseOver.CancelAsync();
            }
        }
    }

    private static async Task<ProbeResult> ConnectAsync(string? networkNamespace, IPEndPoint target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = NamespaceSockets.InNamespace(networkNamespace, () => new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(target, limit.Token);
            return ProbeResult.Answered(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return ProbeResult.Answered(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Failed($"no TCP answer from {target} within {timeout.TotalMilliseconds:0} ms");
        }
    }

    public void Dispose()
    {
        foreach (var engine in _engines.Values) engine.Dispose();
        _engines.Clear();
    }
}
