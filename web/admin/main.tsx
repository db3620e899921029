import { render } from 'preact';
import '../src/ui/styles.css';
import '../src/reports/reports.css';
import './admin.css';
import { AdminApp } from './AdminApp.tsx';

render(<AdminApp />, document.getElementById('app')!);
