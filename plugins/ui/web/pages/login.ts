import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post, setCsrf } from '../api.js';
import { ErrorText } from '../components.js';

export function Login({ onLogin }: { onLogin: (user: string) => void }) {
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    try {
      const r = await post<{ user: string; csrf: string }>('/ui/api/login', { name: form.get('name'), password: form.get('password') });
      setCsrf(r.csrf);
      onLogin(r.user);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<main class="login">
    <h1>Summit</h1>
    <form onSubmit=${submit}>
      <label>User <input name="name" autocomplete="username" required autofocus /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit">Log in</button>
      <${ErrorText} error=${error} />
    </form>
  </main>`;
}
