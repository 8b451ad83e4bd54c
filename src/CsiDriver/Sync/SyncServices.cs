using CsiDriver.Publishing;

namespace CsiDriver.Sync;

/// <summary>Registers Secret sync; called only when a Kubernetes API is configured.</summary>
internal static class SyncServices
{
    public static IServiceCollection AddSecretSync(this IServiceCollection services) =>
        services.AddSingleton<IPublishObserver>(sp => ActivatorUtilities.CreateInstance<SecretMirror>(sp, SecretMirror.DefaultBudget));
}
