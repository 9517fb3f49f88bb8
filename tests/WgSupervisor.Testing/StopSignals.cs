using System.Runtime.InteropServices;

namespace WgSupervisor.Testing;

/// <summary>
/// The signal prologue of a benchmark program: Ctrl-C and SIGTERM cancel <see cref="Token"/> instead of ending the program at
/// once, so that every lab and supervisor it started is removed on the way out.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _terminate;

    public StopSignals()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _stop.Cancel();
        });
    }

    public CancellationToken Token => _stop.Token;
    public bool IsStopping => _stop.IsCancellationRequested;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _terminate.Dispose();
        _stop.Dispose();
    }
}
