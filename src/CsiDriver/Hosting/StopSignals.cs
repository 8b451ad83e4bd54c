using System.Runtime.InteropServices;

namespace CsiDriver.Hosting;

/// <summary>
/// SIGTERM and SIGINT as a cancellation token, for both the driver and the controller process: the signal is taken
/// (the runtime does not exit) so the host can stop gracefully, letting calls in flight finish and leases go.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignals() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal)];

    /// <summary>Cancelled by the first SIGTERM or SIGINT.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Waits for a signal, then disposes <paramref name="host"/>: its graceful stop.</summary>
    public async Task HoldAsync(IAsyncDisposable host)
    {
        await using (host.ConfigureAwait(false))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM or SIGINT: fall through to the graceful stop.
            }
        }
    }

    public void Dispose()
    {
        Array.ForEach(_registrations, r => r.Dispose());
        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }
}
