namespace WgSupervisor.Domain.Tunnels;

/// <summary>
/// The last observations of one tunnel, kept for the operator's chart: a fixed-size ring, oldest dropped first.
/// </summary>
/// <remarks>
/// One array of structs that grows by doubling up to <see cref="Capacity"/> and then wraps: a node keeps
/// hundreds of samples for each of thousands of tunnels, so neither an object per sample nor a copy per
/// observation is affordable (see docs/benchmarks.md, "scale — memory").
/// </remarks>
public sealed class SampleRing
{
    private const int FirstAllocation = 16;

    private TunnelSample[] _items = [];
    private int _oldest;

    public SampleRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public void Add(TunnelSample sample)
    {
        if (Count < Capacity)
        {
            if (Count == _items.Length) Array.Resize(ref _items, Math.Min(Capacity, Math.Max(FirstAllocation, _items.Length * 2)));
            _items[Count++] = sample;
            return;
        }
        // Full: the array is exactly Capacity long, and the newest overwrites the oldest.
        _items[_oldest] = sample;
        _oldest = (_oldest + 1) % Capacity;
    }

    /// <summary>A copy of the samples, oldest first.</summary>
    public IReadOnlyList<TunnelSample> ToList()
    {
        var list = new List<TunnelSample>(Count);
        for (var i = 0; i < Count; i++) list.Add(_items[(_oldest + i) % _items.Length]);
        return list;
    }
}
