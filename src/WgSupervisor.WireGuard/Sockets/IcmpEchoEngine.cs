using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.WireGuard.Sockets;

/// <summary>
/// ICMP echo for every probe of one network namespace over one raw socket: no process per probe. Requests
/// carry this engine's identifier and a sequence number; one receive loop matches replies to waiters.
/// </summary>
public sealed class IcmpEchoEngine : IDisposable
{
    private const byte EchoRequest = 8;
    private const byte EchoReply = 0;
    private const int PayloadLength = 16;

    private readonly Socket _socket;
    private readonly ushort _identifier = (ushort)Random.Shared.Next(1, ushort.MaxValue);
    private readonly ConcurrentDictionary<ushort, (IPAddress Target, TaskCompletionSource<TimeSpan> Reply, long SentAt)> _waiting = new();
    private readonly CancellationTokenSource _closing = new();
    private int _sequence;

    public IcmpEchoEngine(string? networkNamespace, ulong? namespaceIdentity)
    {
        NamespaceIdentity = namespaceIdentity;
        _socket = NamespaceSockets.InNamespace(networkNamespace, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
            // .NET receives from a socket only once it is bound; the receive loop starts before the first send.
            socket.Bind(new IPEndPoint(IPAddress.Any, 0));
            return socket;
        });
        _ = Task.Run(ReceiveLoopAsync);
    }

    public ulong? NamespaceIdentity { get; }

    public Task<ProbeResult> EchoAsync(IPAddress target, TimeSpan timeout, CancellationToken cancellationToken) =>
        EchoBurstAsync(target, 1, TimeSpan.Zero, timeout, cancellationToken);

    /// <summary>
    /// Sends <paramref name="count"/> echo requests <paramref name="spacing"/> apart, each with its own sequence number
    /// but one waiter: the first reply to any of them answers the burst (and stops further sends). Fails when
    /// nothing came back <paramref name="wait"/> after the last request.
    /// </summary>
    public async Task<ProbeResult> EchoBurstAsync(IPAddress target, int count, TimeSpan spacing, TimeSpan wait, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sequences = new List<ushort>(count);
        SocketException? sendFailure = null;
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (i > 0 && await AnsweredWithinAsync(reply.Task, spacing, cancellationToken)) break;
                var sequence = (ushort)Interlocked.Increment(ref _sequence);
                sequences.Add(sequence);
                _waiting[sequence] = (target, reply, Stopwatch.GetTimestamp());
                try
                {
                    await _socket.SendToAsync(BuildRequest(sequence), SocketFlags.None, new IPEndPoint(target, 0), cancellationToken);
                }
                catch (SocketException e)
                {
                    // One failed send (a route flapping) must not end the burst; only a burst that sent nothing fails at once.
                    sendFailure = e;
                    _waiting.TryRemove(sequence, out _);
                    sequences.Remove(sequence);
                }
            }
            if (sequences.Count == 0 && sendFailure is not null) return ProbeResult.Failed($"cannot send to {target}: {sendFailure.SocketErrorCode}");
            return ProbeResult.Answered(await reply.Task.WaitAsync(wait, cancellationToken));
        }
        catch (TimeoutException)
        {
            return ProbeResult.Failed(count == 1
                ? $"no echo reply from {target} within {wait.TotalMilliseconds:0} ms"
                : $"no echo reply from {target} to {count} requests {spacing.TotalMilliseconds:0} ms apart within {wait.TotalMilliseconds:0} ms of the last");
        }
        finally
        {
            foreach (var sequence in sequences) _waiting.TryRemove(sequence, out _);
        }
    }

    /// <summary>Waits up to <paramref name="delay"/>, ending early when the reply comes; true if it came.</summary>
    private static async Task<bool> AnsweredWithinAsync(Task reply, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (!reply.IsCompleted)
        {
            using var early = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pause = Task.Delay(delay, early.Token);
            await Task.WhenAny(reply, pause);
            early.Cancel();
        }
        cancellationToken.ThrowIfCancellationRequested();
        return reply.IsCompleted;
    }

    private byte[] BuildRequest(ushort sequence)
    {
        var packet = new byte[8 + PayloadLength];
        packet[0] = EchoRequest;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), _identifier);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), sequence);
        "wgsupervisor-prb"u8.CopyTo(packet.AsSpan(8));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), Checksum(packet));
        return packet;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[2048];
        EndPoint anyone = new IPEndPoint(IPAddress.Any, 0);
        while (!_closing.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, anyone, _closing.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // A transient receive error must not end the loop: every probe of the namespace depends on it.
                continue;
            }
            OnPacket(buffer.AsSpan(0, received.ReceivedBytes), ((IPEndPoint)received.RemoteEndPoint).Address);
        }
    }

    /// <summary>A raw socket sees every ICMP packet of the namespace: keep only replies to this engine's requests.</summary>
    private void OnPacket(ReadOnlySpan<byte> packet, IPAddress from)
    {
        if (packet.Length < 20) return;
        var headerLength = (packet[0] & 0x0F) * 4;
        if (packet.Length < headerLength + 8) return;
        var icmp = packet[headerLength..];
        if (icmp[0] != EchoReply || BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]) != _identifier) return;
        var sequence = BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]);
        if (_waiting.TryGetValue(sequence, out var waiter) && waiter.Target.Equals(from))
            waiter.Reply.TrySetResult(Stopwatch.GetElapsedTime(waiter.SentAt));
    }

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1) sum += (uint)(data[^1] << 8);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public void Dispose()
    {
        _closing.Cancel();
        _socket.Dispose();
        foreach (var waiter in _waiting.Values) waiter.Reply.TrySetCanceled();
    }
}
