/**
 * The plan warning for users synchronised from on-premises directories (Graph `onPremisesSyncEnabled: true`): a
 * cloud change to what the sync owns (the account's enabled state, the password) is undone by the next sync unless
 * it is made on-premises too. Every plan for which that holds carries it, in these words. Session revocation, risk
 * state and mailbox settings live in the cloud and are not affected.
 */
export function onPremisesSyncWarning(what: string, onPremisesStep: string): string {
  return `the user is synchronised from on-premises: the next sync undoes ${what} unless it is made on-premises too (${onPremisesStep})`;
}
