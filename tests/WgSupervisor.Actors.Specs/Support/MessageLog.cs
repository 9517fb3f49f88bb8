using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Sdk;

namespace WgSupervisor.Actors.Specs.Support;

/// <summary>
/// What a probe received, read in order like FishForMessage: <see cref="Expect{T}"/> passes over the messages
/// before the one it wants (an actor interleaves summaries and history statuses with its requests), and
/// <see cref="Settle{TMarker}"/> returns the messages passed over on the way to a marker, for "nothing of that
/// kind happened meanwhile" checks. A failure lists what was passed over.
/// </summary>
public sealed class MessageLog(TestProbe probe)
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);

    private readonly List<object> _received = [];
    private int _cursor;

    public IActorRef Ref => probe.Ref;

    /// <summary>Every message received so far (for assertions over a whole run).</summary>
    public IReadOnlyList<object> All => _received.ToList();

    /// <summary>The next message of type <typeparamref name="T"/> that matches, waiting for it if needed.</summary>
    public T Expect<T>(Func<T, bool>? match = null, TimeSpan? within = null, string? hint = null) =>
        (T)Next(match, within, hint ?? typeof(T).Name).Message;

    /// <summary>Like <see cref="Expect{T}"/>, with the messages passed over on the way.</summary>
    public (T Message, IReadOnlyList<object> PassedOver) ExpectWithPassedOver<T>(Func<T, bool>? match = null, TimeSpan? within = null,
        string? hint = null)
    {
        var (message, passedOver) = Next(match, within, hint ?? typeof(T).Name);
        return ((T)message, passedOver);
    }

    /// <summary>The messages before the next matching <typeparamref name="TMarker"/>; reading continues after the marker.</summary>
    public IReadOnlyList<object> Settle<TMarker>(Func<TMarker, bool> marker, TimeSpan? within = null) =>
        Next(marker, within, $"marker {typeof(TMarker).Name}").PassedOver;

    private (object Message, IReadOnlyList<object> PassedOver) Next<T>(Func<T, bool>? match, TimeSpan? within, string what)
    {
        var limit = within ?? DefaultWait;
        var clock = Stopwatch.StartNew();
        var start = _cursor;
        while (true)
        {
            for (; _cursor < _received.Count; _cursor++)
            {
                if (_received[_cursor] is not T candidate || !(match?.Invoke(candidate) ?? true)) continue;
                var passedOver = _received.GetRange(start, _cursor - start);
                return (_received[_cursor++], passedOver);
            }
            var remaining = limit - clock.Elapsed;
            var next = remaining > TimeSpan.Zero ? probe.ReceiveOne(remaining) : null;
            if (next is null)
            {
                var seen = _received.Skip(start).Select(m => m.ToString()).ToList();
                throw new XunitException(
                    $"expected {what} within {limit.TotalSeconds} s; received meanwhile: {(seen.Count == 0 ? "nothing" : string.Join("; ", seen))}");
            }
            _received.Add(next);
        }
    }
}
