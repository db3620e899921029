import { useEffect, useState } from 'preact/hooks';
import { ConsoleModel, type SavedSession } from './model.ts';
import { SignIn } from './SignIn.tsx';
import { loadNotice, loadSession, saveNotice, saveSession } from './session.ts';
import { Workspace } from './Workspace.tsx';

/** Signed out: the sign-in form. Signed in: the workspace over one ConsoleModel. */
export function ConsoleApp() {
  const [session, setSession] = useState<SavedSession | undefined>(loadSession);
  const [notice, setNotice] = useState<string | undefined>(loadNotice);
  const [model, setModel] = useState<ConsoleModel | undefined>(undefined);

  useEffect(() => {
    if (!session) return;
    const next = new ConsoleModel(session, (message) => {
      saveSession(undefined);
      saveNotice(message);
      setNotice(message);
      setModel(undefined);
      setSession(undefined);
    });
    setModel(next);
    void next.start();
    return () => next.stop();
  }, [session]);

  if (!session || !model) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          saveSession(s);
          saveNotice(undefined);
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  return (
    <Workspace
      model={model}
      onSignOut={async () => {
        await model.signOut();
        saveSession(undefined);
        setModel(undefined);
        setSession(undefined);
      }}
    />
  );
}
